/**
 * The local data layout (DESIGN.md, "Data layout") lives under one home folder: `.prognos/` in
 * the working directory unless `--home` (or PROGNOS_HOME) says otherwise. The keys under it are
 * the S3 keys in AWS.
 */
export const DEFAULT_HOME = '.prognos';
