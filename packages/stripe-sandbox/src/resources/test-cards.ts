import { passesLuhn } from '@tillflow/core';
/** Stripe's documented test cards and what happens when they are attached or charged. */
export interface CardBehaviour {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex';
  /** Outcome of a charge: success, a decline, or a 3DS challenge. */
  charge: 'succeed' | 'decline' | 'authenticate';
  /** Whether attaching to a customer fails (Stripe checks the card on attach). */
  attachFails: boolean;
  decline?: { code: string; decline_code: string; message: string };
  /** What happens after a successful charge: the cardholder disputes it, or a refund of it later fails. */
  after?: 'dispute' | 'refund_fails';
}

const generic = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
const insufficient = {
  code: 'card_declined',
  decline_code: 'insufficient_funds',
  message: 'Your card has insufficient funds.',
};
const expired = { code: 'expired_card', decline_code: 'expired_card', message: 'Your card has expired.' };
const incorrectCvc = {
  code: 'incorrect_cvc',
  decline_code: 'incorrect_cvc',
  message: "Your card's security code is incorrect.",
};

const CARDS: CardBehaviour[] = [
  { number: '4242424242424242', brand: 'visa', charge: 'succeed', attachFails: false },
  { number: '5555555555554444', brand: 'mastercard', charge: 'succeed', attachFails: false },
  { number: '378282246310005', brand: 'amex', charge: 'succeed', attachFails: false },
  { number: '4000000000000002', brand: 'visa', charge: 'decline', attachFails: true, decline: generic },
  { number: '4000000000009995', brand: 'visa', charge: 'decline', attachFails: true, decline: insufficient },
  { number: '4000000000000069', brand: 'visa', charge: 'decline', attachFails: true, decline: expired },
  { number: '4000000000000127', brand: 'visa', charge: 'decline', attachFails: true, decline: incorrectCvc },
  { number: '4000000000000341', brand: 'visa', charge: 'decline', attachFails: false, decline: generic },
  { number: '4000000000000259', brand: 'visa', charge: 'succeed', attachFails: false, after: 'dispute' },
  { number: '4000000000005126', brand: 'visa', charge: 'succeed', attachFails: false, after: 'refund_fails' },
  { number: '4000002500003155', brand: 'visa', charge: 'authenticate', attachFails: false },
  { number: '4000002760003184', brand: 'visa', charge: 'authenticate', attachFails: false },
  { number: '4000000000003220', brand: 'visa', charge: 'authenticate', attachFails: false },
];

/** Stripe's magic `pm_card_*` ids, each standing for one test card. */
export const TEST_PAYMENT_METHOD_IDS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_mastercard: '5555555555554444',
  pm_card_amex: '378282246310005',
  pm_card_visa_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_visa_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_visa_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_chargeDeclinedIncorrectCvc: '4000000000000127',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_createDispute: '4000000000000259',
  pm_card_refundFail: '4000000000005126',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_threeDSecure2Required: '4000000000003220',
};

/** Any other valid-looking number succeeds, like an ordinary test card. */
export function cardBehaviour(number: string): CardBehaviour {
  const digits = number.replace(/\D/g, '');
  const known = CARDS.find((c) => c.number === digits);
  if (known) return known;
  const brand = digits.startsWith('5') ? 'mastercard' : digits.startsWith('3') ? 'amex' : 'visa';
  return { number: digits, brand, charge: 'succeed', attachFails: false };
}

/** Luhn check, so mistyped numbers on the hosted page get Stripe's "incorrect number" message. */
export function luhnValid(number: string): boolean {
  const digits = number.replace(/\D/g, '');
  if (digits.length < 12 || digits.length > 19) return false;
  return passesLuhn(digits);
}
