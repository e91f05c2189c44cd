/** Why a password is too weak, in words a person can act on; null when it is fine. */
export function passwordWeakness(password: string): string | null {
  if (password.length < 8) return 'Password is too weak: use at least 8 characters.';
  if (!/[a-zA-Z]/.test(password) || !/[0-9]/.test(password))
    return 'Password is too weak: mix letters and at least one digit.';
  if (/^(.)\1+$/.test(password) || /password|12345678|qwerty/i.test(password))
    return 'Password is too weak: avoid common passwords and repeated characters.';
  return null;
}
