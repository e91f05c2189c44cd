/**
 * The Luhn checksum of a string of digits (no spaces or dashes): true when it
 * could be a card number. The log scrubber redacts only numbers that pass it;
 * the Stripe sandbox refuses typed card numbers that fail it, as Stripe does.
 */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
