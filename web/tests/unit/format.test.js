import { describe, it, expect } from 'vitest';
import { fmt1, fmtSigned1, fmtYuan, fmtMonth, fmtPct } from '../../src/lib/format.js';

describe('format', () => {
  it('shows scores with one decimal, rounding half up', () => {
    expect(fmt1(72.25)).toBe('72.3');
    expect(fmt1(60)).toBe('60.0');
    expect(fmt1(null)).toBe('—');
    expect(fmtSigned1(3.04)).toBe('+3.0');
    expect(fmtSigned1(-10)).toBe('-10.0');
  });
  it('shows fen as yuan without floating point', () => {
    expect(fmtYuan(1500)).toBe('15.00');
    expect(fmtYuan(20001)).toBe('200.01');
    expect(fmtYuan(123456789)).toBe('1,234,567.89');
    expect(fmtYuan(-5)).toBe('-0.05');
  });
  it('shows months in Chinese or ISO style', () => {
    expect(fmtMonth(202410, 'zh')).toBe('2024年10月');
    expect(fmtMonth(202403, 'en')).toBe('2024-03');
    expect(fmtPct(0.5)).toBe('50.0%');
  });
});
