import { describe, expect, it } from 'vitest';
import { findChain, shift, timeText, timeValue } from '../../explain/sequence-chain.js';

const t = (text: string): number => timeValue(text)!;
const day = { sign: 1, amount: 1, unit: 'day' } as const;
const days = (amount: number) => ({ sign: 1, amount, unit: 'day' } as const);

/** One profile's chain through a sequence, as reference 6.3 words it. */
describe('Explain Membership: the chain of one profile', () => {
    it('passes every step with strictly later records, and shows the chain it found', () => {
        const found = findChain([
            { times: [t('2027-01-05 10:00:00'), t('2027-01-01 10:00:00')], none: false },
            { times: [t('2027-01-01 10:00:00'), t('2027-01-02 09:00:00')], none: false }
        ]);
        // The record at the same instant as step 1's does not count: strictly later.
        expect(found).toEqual({ passed: 2, chain: [t('2027-01-01 10:00:00'), t('2027-01-02 09:00:00')] });
    });

    it('says which step fails and the chain up to there, or that step 1 has no record', () => {
        expect(findChain([{ times: [], none: false }, { times: [t('2027-01-01')], none: false }])).toEqual({ passed: 0, chain: [] });
        const found = findChain([
            { times: [t('2027-01-01 10:00:00')], none: false },
            { times: [t('2027-01-01 12:00:00')], none: false },
            { times: [t('2027-01-01 11:00:00')], none: false }
        ]);
        expect(found).toEqual({ passed: 2, chain: [t('2027-01-01 10:00:00'), t('2027-01-01 12:00:00')] });
    });

    it('with within, tries every end of the step before (the latest one before a record may be the witness)', () => {
        const steps = [
            { times: [t('2027-01-01 08:00:00'), t('2027-01-20 08:00:00')], none: false },
            { times: [t('2027-01-20 20:00:00')], none: false, within: day }
        ];
        expect(findChain(steps)).toEqual({ passed: 2, chain: [t('2027-01-20 08:00:00'), t('2027-01-20 20:00:00')] });
        // At the window's edge: t(r2) <= t(r1) + 1 day holds; a millisecond later it does not.
        expect(findChain([{ times: [t('2027-01-01 08:00:00')], none: false }, { times: [t('2027-01-02 08:00:00')], none: false, within: day }]).passed).toBe(2);
        expect(findChain([{ times: [t('2027-01-01 08:00:00')], none: false }, { times: [t('2027-01-02 08:00:00.001')], none: false, within: day }]).passed).toBe(1);
    });

    it('then no: one chain with nothing after it is enough; else the record found after it', () => {
        const cart = [t('2027-01-01 10:00:00'), t('2027-01-10 10:00:00')];
        // Bought after the first cart but not after the second: abandoned the second.
        expect(findChain([{ times: cart, none: false }, { times: [t('2027-01-02 10:00:00')], none: true, within: days(2) }]))
            .toEqual({ passed: 2, chain: [t('2027-01-10 10:00:00')] });
        // Bought within two days of each: the sequence fails at the no step, with what was bought.
        expect(findChain([{ times: cart, none: false }, { times: [t('2027-01-02 10:00:00'), t('2027-01-11 09:00:00')], none: true, within: days(2) }]))
            .toEqual({ passed: 1, chain: [t('2027-01-10 10:00:00')], blocker: t('2027-01-11 09:00:00') });
        // Bought three days later: outside the window, so it holds.
        expect(findChain([{ times: [cart[1]], none: false }, { times: [t('2027-01-13 10:00:01')], none: true, within: days(2) }]).passed).toBe(2);
        // No window: any later record blocks the latest chain end, so every one.
        expect(findChain([{ times: cart, none: false }, { times: [t('2027-03-01')], none: true }]))
            .toEqual({ passed: 1, chain: [t('2027-01-10 10:00:00')], blocker: t('2027-03-01') });
    });

    it('moves by months clamped to the month end, keeping the fraction of a second', () => {
        expect(timeText(shift(t('2027-01-31 10:00:00.250'), { sign: 1, amount: 1, unit: 'month' }), 'datetime')).toBe('2027-02-28 10:00:00.250');
        expect(timeText(t('2027-02-14'), 'date')).toBe('2027-02-14');
        expect(timeText(t('2027-02-14T09:30:00'), 'datetime')).toBe('2027-02-14 09:30:00');
        expect(timeValue(null)).toBeUndefined();
    });
});
