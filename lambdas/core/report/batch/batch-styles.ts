/** What the batch report adds to the shared stylesheet (styles.ts): its status box and drifted rows. */
export const BATCH_STYLES = `
.decision.stable{background:var(--ok-bg);border-color:var(--ok);color:var(--ok)}
.decision.drifted{background:var(--bad-bg);border-color:var(--bad);color:var(--bad)}
.decision.unknown{background:#f3f4f6;border-color:var(--muted);color:var(--muted)}
tr.drifted td,tr.drifted th{background:var(--bad-bg)}
figure.drifted figcaption strong{color:var(--bad)}
ul.reasons{margin:0;padding-left:1.1em}
ul.reasons li.up{color:var(--bad)}
.muted{color:var(--muted)}
`;
