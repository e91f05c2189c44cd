import { describe, expect, it } from 'vitest';
import { luhnValid } from '../src/resources/test-cards';

describe('typed card numbers', () => {
  it('are accepted when the Luhn checksum holds, with or without spaces, and refused otherwise or when too short or long', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242 4242 4242 4242')).toBe(true);
    expect(luhnValid('4000 0000 0000 0002')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('4242 4242 4242 4243')).toBe(false);
    expect(luhnValid('0')).toBe(false);
    expect(luhnValid('42424242424242424242')).toBe(false);
  });
});
