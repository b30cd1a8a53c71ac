import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { GATEWAY_ERRORS, type GatewayError, type GatewayErrorContext } from '../lambdas/core/serving/gateway-errors.ts';

/**
 * API Gateway's own answers (lambdas/core/serving/gateway-errors.ts) as gateway responses whose
 * body is the API's error shape, `{ "error": { "code", "message", "details"? } }`.
 *
 * API Gateway's explanation (`$context.error.validationErrorString`, `$context.error.message`) is
 * text with double quotes (`[object has missing required properties (["instances"])]`), new lines
 * (a signature mismatch quotes the canonical request) and single quotes: it goes into the JSON
 * string through `$util.escapeJavaScript`, whose `\'` is not a JSON escape, so `.replaceAll` turns
 * it back into `'` (the API Gateway mapping template reference gives this very expression).
 */

/** A `$context.error` field as the inside of a JSON string. */
export function escapedContext(field: GatewayErrorContext): string {
  return `$util.escapeJavaScript($context.error.${field}).replaceAll("\\\\'","'")`;
}

/** Our own text inside a JSON string of a mapping template: JSON-escaped, and nothing VTL would read. */
function literal(text: string): string {
  if (/[$#]/.test(text)) throw new Error(`gateway response text must not contain $ or # (VTL): ${text}`);
  return JSON.stringify(text).slice(1, -1);
}

/** The `application/json` mapping template of one gateway response. */
export function gatewayResponseTemplate(error: GatewayError): string {
  const context = error.context === undefined ? undefined : escapedContext(error.context);
  const message = literal(error.message) + (context === undefined ? '' : `: ${context}`);
  const details = error.detailPath !== undefined && context !== undefined ? `,"details":[{"path":"${literal(error.detailPath)}","message":"${context}"}]` : '';
  return `{"error":{"code":"${error.code}","message":"${message}"${details}}}`;
}

export interface GatewayResponsesProps {
  /**
   * The one origin a browser may read these answers from (`Access-Control-Allow-Origin`), when CORS
   * allows exactly one (or `*`). A gateway response has static headers only, so with several
   * origins it names none.
   * @default - no CORS header
   */
  readonly corsOrigin?: string;
}

/** Adds every gateway response of {@link GATEWAY_ERRORS} to `api`. */
export function addGatewayResponses(api: apigw.RestApi, props: GatewayResponsesProps = {}): apigw.GatewayResponse[] {
  const headers = props.corsOrigin === undefined ? undefined : { 'Access-Control-Allow-Origin': `'${props.corsOrigin}'`, Vary: "'Origin'" };
  return GATEWAY_ERRORS.map((error) =>
    api.addGatewayResponse(gatewayResponseId(error), {
      type: responseType(error),
      // The status stays API Gateway's (the DEFAULT_* types keep the one they had).
      responseHeaders: { 'Cache-Control': "'no-store'", ...headers },
      templates: { 'application/json': gatewayResponseTemplate(error) },
    }),
  );
}

/** `BAD_REQUEST_BODY` → `BadRequestBody`. */
function gatewayResponseId(error: GatewayError): string {
  return error.type
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

function responseType(error: GatewayError): apigw.ResponseType {
  const type = (apigw.ResponseType as unknown as Record<string, apigw.ResponseType | undefined>)[error.type];
  if (type === undefined) throw new Error(`unknown API Gateway response type ${error.type}`);
  return type;
}
