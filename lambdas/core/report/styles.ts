/** System fonts only: the report must not fetch anything. */
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** The page's only stylesheet, inlined: the report is one file that works offline and prints. */
export const STYLES = `
:root{color-scheme:light;--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--ok:#047857;--ok-bg:#ecfdf5;--bad:#b91c1c;--bad-bg:#fef2f2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 ${FONT};color:var(--ink);background:#f9fafb}
main{max-width:1080px;margin:0 auto;padding:24px 20px 48px}
section,header.top{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 22px;margin:0 0 18px}
h1{font-size:24px;margin:0 0 12px}
h2{font-size:19px;margin:0 0 10px}
h3{font-size:15px;margin:16px 0 6px}
p{margin:6px 0}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
.kicker{margin:0;color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.06em}
.muted{color:var(--muted)}
.note{color:var(--muted);font-size:13px}
nav{font-size:13px;margin:0 0 18px}
nav a{color:#1d4ed8;margin-right:12px;white-space:nowrap}
.decision{border-radius:8px;padding:12px 16px;margin:12px 0;border:2px solid}
.decision strong{font-size:20px;letter-spacing:.04em;margin-right:10px}
.decision.promoted{background:var(--ok-bg);border-color:var(--ok);color:var(--ok)}
.decision.rejected{background:var(--bad-bg);border-color:var(--bad);color:var(--bad)}
.decision p{color:var(--ink);margin:4px 0 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:14px}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;background:#f9fafb}
tbody th{background:none}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.key td,tr.key th{background:#eff6ff}
tr.group th{background:#f3f4f6;font-weight:600}
.better{color:var(--ok)}
.worse{color:var(--bad)}
.pass{color:var(--ok);font-weight:600}
.fail{color:var(--bad);font-weight:600}
td.key{overflow-wrap:anywhere}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:8px 0;flex:1 1 420px}
figure svg{max-width:100%;height:auto;display:block}
figure svg text{font-family:${FONT}}
figcaption{color:var(--muted);font-size:13px;margin-top:4px}
@media print{body{background:#fff}section,header.top{break-inside:avoid;border:none;padding:0 0 12px}nav{display:none}}
`;
