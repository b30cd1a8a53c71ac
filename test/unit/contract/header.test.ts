import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { bindHeader } from '../../../lambdas/core/contract/header.ts';
import { UnusableFileError } from '../../../lambdas/core/errors.ts';
import { PUMP_CONTRACT } from './fixtures.ts';

const AI4I_HEADER = [
  'UDI', 'Product ID', 'Type', 'Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]',
  'Torque [Nm]', 'Tool wear [min]', 'Machine failure', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF',
];

function headerError(header: readonly string[], requireLabel = true, contract = DEFAULT_CONTRACT): string {
  try {
    bindHeader(contract, header, { requireLabel });
  } catch (error) {
    expect(error).toBeInstanceOf(UnusableFileError);
    return (error as Error).message;
  }
  throw new Error('bindHeader accepted a bad header');
}

describe('bindHeader', () => {
  it('binds the AI4I header by source, ignoring dropped columns', () => {
    const binding = bindHeader(DEFAULT_CONTRACT, AI4I_HEADER, { requireLabel: true });
    expect(binding.id).toBe(0);
    expect(binding.timestamp).toBeUndefined();
    expect(binding.label).toBe(8);
    expect(binding.features).toEqual([3, 4, 5, 6, 7, 2]);
  });

  it('strips a byte-order mark and white space around header cells', () => {
    const header = ['\uFEFFUDI', ...AI4I_HEADER.slice(1).map((h) => ` ${h}\t`)];
    const binding = bindHeader(DEFAULT_CONTRACT, header, { requireLabel: true });
    expect(binding.id).toBe(0);
    expect(binding.header[0]).toBe('UDI');
    expect(binding.header[3]).toBe('Air temperature [K]');
  });

  it('accepts contract names as headers, in any order, with dropped columns absent', () => {
    const header = ['torque_nm', 'product_type', 'machine_failure', 'udi', 'tool_wear_min', 'air_temperature_k',
      'rotational_speed_rpm', 'process_temperature_k'];
    const binding = bindHeader(DEFAULT_CONTRACT, header, { requireLabel: true });
    expect(binding.id).toBe(3);
    expect(binding.label).toBe(2);
    expect(binding.features).toEqual([5, 7, 6, 0, 4, 1]);
  });

  it('allows a file without the label when the label is not required', () => {
    const header = AI4I_HEADER.filter((h) => h !== 'Machine failure');
    expect(bindHeader(DEFAULT_CONTRACT, header, { requireLabel: false }).label).toBeUndefined();
    expect(headerError(header, true)).toContain("missing required column 'Machine failure' (machine_failure)");
  });

  it('binds the label when present even if not required', () => {
    expect(bindHeader(DEFAULT_CONTRACT, AI4I_HEADER, { requireLabel: false }).label).toBe(8);
  });

  it('refuses an empty header', () => {
    expect(headerError([])).toMatch(/empty header: its first line must name the columns \(e\.g\. UDI,Air temperature/);
    expect(headerError(['', ' '])).toContain('empty header');
  });

  it('refuses duplicate header names, with their positions', () => {
    expect(headerError([...AI4I_HEADER, 'TWF'])).toContain("the header names 'TWF' 2 times (columns 10, 15)");
  });

  it('lists every missing required column', () => {
    const message = headerError(AI4I_HEADER.filter((h) => h !== 'UDI' && h !== 'Torque [Nm]' && h !== 'Type'));
    expect(message).toContain(
      "missing required columns 'UDI' (udi), 'Torque [Nm]' (torque_nm), 'Type' (product_type)",
    );
  });

  it('requires the timestamp when the contract has one', () => {
    const header = ['Machine', 'Service', 'site', 'Vibration [mm/s]', 'Starts', 'Model'];
    expect(headerError(header, true, PUMP_CONTRACT)).toContain("missing required column 'Time' (read_at)");
    expect(bindHeader(PUMP_CONTRACT, [...header, 'Time'], { requireLabel: true }).timestamp).toBe(6);
  });

  it('names unknown columns and says how to fix them', () => {
    const message = headerError([...AI4I_HEADER, 'Operator', 'Shift']);
    expect(message).toContain(
      "unknown columns 'Operator', 'Shift': list them under drop in the contract 'ai4i2020' or map them to a contract column",
    );
    expect(headerError([...AI4I_HEADER, 'Operator'])).toContain("unknown column 'Operator': list it under drop");
  });

  it('refuses unnamed columns and a column given both by source and by name', () => {
    expect(headerError([...AI4I_HEADER, ''])).toContain('column 15 of the header has no name (a trailing comma?)');
    expect(headerError([...AI4I_HEADER, 'torque_nm'])).toContain(
      "both 'Torque [Nm]' and 'torque_nm' map to the contract column torque_nm; keep one of them",
    );
  });

  it('reports every problem at once', () => {
    const message = headerError(['UDI', 'UDI', 'Extra']);
    expect(message).toMatch(/^the header does not match the data contract 'ai4i2020': /);
    expect(message).toContain("names 'UDI' 2 times");
    expect(message).toContain('missing required columns');
    expect(message).toContain("unknown column 'Extra'");
  });
});
