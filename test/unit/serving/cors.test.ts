import { describe, expect, it } from 'vitest';
import { corsHeaders, parseCorsOrigins, withCors } from '../../../lambdas/core/serving/cors.ts';
import { jsonResponse } from '../../../lambdas/core/serving/responses.ts';

describe('CORS on the function\'s answers', () => {
  const allowed = ['https://app.example.com', 'http://localhost:5173'];

  it('reads API_CORS_ORIGINS: comma-separated, blanks dropped; unset is off', () => {
    expect(parseCorsOrigins(' https://app.example.com, http://localhost:5173 ,')).toEqual(allowed);
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(parseCorsOrigins('')).toEqual([]);
  });

  it('adds nothing when CORS is off', () => {
    expect(corsHeaders('https://app.example.com', [])).toEqual({});
    const result = jsonResponse(200, { ok: true });
    expect(withCors(result, 'https://app.example.com', [])).toBe(result);
  });

  it('names an allowed origin back (and says the answer varies by Origin); any other origin gets no allow header', () => {
    expect(corsHeaders('http://localhost:5173', allowed)).toEqual({
      'access-control-allow-origin': 'http://localhost:5173',
      vary: 'Origin',
      'access-control-expose-headers': 'x-model-version',
    });
    expect(corsHeaders('https://evil.example', allowed)).toEqual({ vary: 'Origin' });
    expect(corsHeaders(undefined, allowed)).toEqual({ vary: 'Origin' });
  });

  it('with *, allows every origin without varying', () => {
    expect(corsHeaders('https://anyone.example', ['*'])).toEqual({ 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-model-version' });
  });

  it('keeps the answer\'s own headers', () => {
    const result = withCors(jsonResponse(200, {}, { 'x-model-version': 'v1' }), 'https://app.example.com', allowed);
    expect(result.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'x-model-version': 'v1', 'access-control-allow-origin': 'https://app.example.com' });
  });
});
