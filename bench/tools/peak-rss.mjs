// Preloaded into a benchmarked child (`node --import ./peak-rss.mjs …`): at exit, writes the
// process's peak resident set size in KiB to the file named by PROGNOS_PEAK_RSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.PROGNOS_PEAK_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
