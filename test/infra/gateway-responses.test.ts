import { describe, expect, it } from 'vitest';
import { GATEWAY_ERRORS, type GatewayErrorContext } from '../../lambdas/core/serving/gateway-errors.ts';
import { errorBodySchema } from '../../lambdas/core/serving/response-schemas.ts';
import { gatewayResponseTemplate } from '../../lib/gateway-responses.ts';

/**
 * The gateway responses' mapping templates, rendered as API Gateway renders them: `$util.escapeJavaScript`
 * as Apache Commons Lang's StringEscapeUtils.escapeJavaScript (what API Gateway's Velocity uses), then
 * Java's String.replaceAll, with realistic `$context.error` texts substituted.
 */

/** StringEscapeUtils.escapeJavaScript (commons-lang 2.x): quotes, backslash and / escaped, control and non-ASCII characters as \uXXXX. */
function escapeJavaScript(text: string): string {
  let out = '';
  // Java strings are UTF-16: each code unit is escaped on its own (a surrogate pair as two).
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    const hex = code.toString(16).toUpperCase();
    if (code > 0xfff) out += `\\u${hex}`;
    else if (code > 0xff) out += `\\u0${hex}`;
    else if (code > 0x7f) out += `\\u00${hex}`;
    else if (code < 32) out += { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[code] ?? `\\u00${hex.padStart(2, '0')}`;
    else out += { "'": "\\'", '"': '\\"', '\\': '\\\\', '/': '\\/' }[ch] ?? ch;
  }
  return out;
}

const EXPRESSION = /\$util\.escapeJavaScript\(\$context\.error\.(\w+)\)(?:\.replaceAll\("((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)"\))?/g;

/** Renders the few VTL forms the templates use; anything else left with $ or # is an error. */
function render(template: string, context: Record<GatewayErrorContext, string>): string {
  const rest = template.replace(EXPRESSION, '');
  if (/[$#]/.test(rest)) throw new Error(`template has VTL this renderer does not know: ${rest}`);
  return template.replace(EXPRESSION, (_all, field: GatewayErrorContext, pattern?: string, replacement?: string) => {
    const value = escapeJavaScript(context[field]);
    // Velocity string literals keep backslashes; the pattern is a Java regular expression.
    return pattern === undefined ? value : value.replace(new RegExp(pattern, 'g'), replacement!.replace(/\$/g, '$$$$'));
  });
}

const CONTEXTS: Record<string, Record<GatewayErrorContext, string>> = {
  'missing property': {
    validationErrorString: '[object has missing required properties (["instances"])]',
    message: 'Invalid request body',
  },
  'enum, unknown key and a quote': {
    validationErrorString:
      '[instance value ("X") not found in enum (possible values: ["L","M","H"]), object instance has properties which are not allowed by the schema: ["udi"], string "it\'s \\ a / test" is too long (length: 200, maximum allowed: 128)]',
    message: "Invalid request body: it's \"bad\"",
  },
  'signature mismatch (new lines, single quotes, non-ASCII)': {
    validationErrorString: '',
    message:
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.\n\nThe Canonical String for this request should have been\n'POST\n/v1/predict\n\ncontent-type:application/json\nhost:abc123.execute-api.eu-west-1.amazonaws.com\n'\n\tMünchen ✓ 🔧",
  },
  'access denied': {
    validationErrorString: '',
    message: 'User: arn:aws:sts::123456789012:assumed-role/app/session is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/POST/predict',
  },
};

describe('gateway responses: API Gateway\'s own answers in the API\'s error shape', () => {
  it('covers the responses the issue names, each once', () => {
    const types = GATEWAY_ERRORS.map((e) => e.type);
    expect(new Set(types).size).toBe(types.length);
    for (const type of ['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS', 'MISSING_AUTHENTICATION_TOKEN', 'ACCESS_DENIED', 'THROTTLED', 'DEFAULT_4XX', 'DEFAULT_5XX']) {
      expect(types).toContain(type);
    }
  });

  for (const [name, context] of Object.entries(CONTEXTS)) {
    it(`every template renders to valid JSON of { error: { code, message, details? } }: ${name}`, () => {
      for (const error of GATEWAY_ERRORS) {
        const rendered = render(gatewayResponseTemplate(error), context);
        let body: unknown;
        expect(() => (body = JSON.parse(rendered)), `${error.type}: ${rendered}`).not.toThrow();
        const parsed = errorBodySchema.parse(body);
        expect(parsed.error.code).toBe(error.code);
        // API Gateway's own words arrive intact, after ours.
        if (error.context === undefined) expect(parsed.error.message).toBe(error.message);
        else expect(parsed.error.message).toBe(`${error.message}: ${context[error.context]}`);
        if (error.detailPath === undefined) expect(parsed.error.details).toBeUndefined();
        else expect(parsed.error.details).toEqual([{ path: error.detailPath, message: context[error.context!] }]);
      }
    });
  }

  it('a rejected body says what the validator said, as a detail of the body', () => {
    const badBody = GATEWAY_ERRORS.find((e) => e.type === 'BAD_REQUEST_BODY')!;
    const body = JSON.parse(render(gatewayResponseTemplate(badBody), CONTEXTS['missing property'])) as unknown;
    expect(body).toEqual({
      error: {
        code: 'invalid_request',
        message: 'the request body does not match the PredictRequest model (GET /openapi.json): [object has missing required properties (["instances"])]',
        details: [{ path: 'body', message: '[object has missing required properties (["instances"])]' }],
      },
    });
  });

  it('the quoted template it replaces breaks on the same message (negative control)', () => {
    const old = '{"message": $context.error.messageString, "validation": "$context.error.validationErrorString"}';
    const naive = old.replace('$context.error.messageString', '"Invalid request body"').replace('$context.error.validationErrorString', CONTEXTS['missing property'].validationErrorString);
    expect(() => JSON.parse(naive)).toThrow();
    // And escaping without turning \' back into ' is not JSON either.
    const unreplaced = gatewayResponseTemplate(GATEWAY_ERRORS[0]).replace(/\.replaceAll\([^)]*\)/g, '');
    expect(() => JSON.parse(render(unreplaced, CONTEXTS['enum, unknown key and a quote']))).toThrow();
  });
});
