/**
 * The permission table of docs/architecture.md, rendered from the synthesized templates: one row
 * per statement of each function's role policy (its own log group and the shared X-Ray policy
 * left out, as every function has them). test/infra/permission-table.test.ts keeps the page and
 * the templates equal.
 */
import type { TemplateJson } from './app.ts';

export const TABLE_BEGIN = '<!-- permission-table:begin (generated from the templates by test/infra/permission-table.test.ts) -->';
export const TABLE_END = '<!-- permission-table:end -->';

type Resources = Record<string, { Type: string; Properties: TemplateJson }>;

/** `Prognos-test:LakeBucket` → `lake`; a logical id → the construct's path without its hash. */
function referenceName(value: TemplateJson): string {
  if (typeof value === 'string') return value;
  if ('Fn::ImportValue' in value) return String(value['Fn::ImportValue']).replace(/^.*:/, '').replace(/Bucket$/, '').toLowerCase();
  if ('Ref' in value) return value.Ref === 'AWS::Partition' ? 'aws' : value.Ref === 'AWS::Region' ? '<region>' : value.Ref === 'AWS::AccountId' ? '<account>' : `<${stripHash(value.Ref)}>`;
  if ('Fn::GetAtt' in value) return `<${stripHash(value['Fn::GetAtt'][0])}>`;
  if ('Fn::Join' in value) return (value['Fn::Join'][1] as TemplateJson[]).map(referenceName).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

function stripHash(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}

/** An S3 ARN as "`key` in lake" or "lake bucket"; any other ARN in backticks, without its partition, region and account. */
function resourceText(value: TemplateJson): string {
  const arn = referenceName(value);
  const s3 = /^arn:aws:s3:::([^/]+)(?:\/(.+))?$/.exec(arn);
  if (s3 !== null) return s3[2] === undefined ? `${s3[1]} bucket` : `\`${s3[2]}\` in ${s3[1]}`;
  return `\`${arn.replace(/^arn:aws:([a-z-]+):<region>:<account>:/, '$1:')}\``;
}

function cell(values: string[]): string {
  return values.map((v) => `\`${v}\``).join(', ');
}

/** The rows of every function in `templates`, ordered by function then statement. */
export function permissionRows(templates: readonly TemplateJson[]): string[] {
  const rows: string[] = [];
  for (const template of templates) {
    const resources = template.Resources as Resources;
    const functions = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .sort(([a], [b]) => a.localeCompare(b));
    for (const [id, fn] of functions) {
      const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
      const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as TemplateJson[]).some((ref) => ref.Ref === role));
      const name = stripHash(id).replace(/Function$/, '');
      for (const policy of policies) {
        for (const st of policy.Properties.PolicyDocument.Statement as TemplateJson[]) {
          if (st.Sid === 'OwnLogGroup') continue;
          const actions = ([] as string[]).concat(st.Action);
          const targets = ([] as TemplateJson[]).concat(st.Resource).map(resourceText).join(', ');
          const condition = st.Condition === undefined ? '' : ` if ${Object.entries(st.Condition as Record<string, Record<string, unknown>>).map(([op, kv]) => Object.entries(kv).map(([k, v]) => `${k} ${op} ${cell(([] as string[]).concat(v as string))}`).join(', ')).join(', ')}`;
          rows.push(`| ${name} | ${st.Sid ?? ''} | ${st.Effect === 'Deny' ? '**Deny** ' : ''}${cell(actions)} | ${targets}${condition} |`);
        }
      }
    }
  }
  return rows;
}

/** The whole generated block, markers included. */
export function permissionTable(templates: readonly TemplateJson[]): string {
  return [TABLE_BEGIN, '', '| function | statement | actions | resources |', '|---|---|---|---|', ...permissionRows(templates), '', TABLE_END].join('\n');
}
