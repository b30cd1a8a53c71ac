/** The data contract: one dataset description that generates validation, encoding, tables, SQL and the API schema. */
export {
  CONTRACT_VERSION,
  DEFAULT_CONTRACT,
  isCategorical,
  isNumeric,
  parseContract,
  type CategoricalFeature,
  type DataContract,
  type DerivedFeature,
  type Feature,
  type IdColumn,
  type LabelColumn,
  type NumericFeature,
  type TimestampColumn,
} from './contract.ts';
export {
  derivedInputs,
  derivedProblems,
  derivedSql,
  derivedValidSql,
  derivedValue,
  derivedValueProblem,
  isValidDerivedValue,
} from './derived.ts';
export { encodeRows, labelsOf, modelFeatureNames } from './encode.ts';
export { ExpressionSyntaxError, FUNCTIONS, parseExpression, type Expression } from './expression.ts';
export { compileExpression, type CompiledExpression, type FeatureValues } from './expression-eval.ts';
export { doubleLiteral, expressionSql } from './expression-sql.ts';
export { bindHeader, type BindHeaderOptions, type HeaderBinding } from './header.ts';
export {
  instanceSchema,
  predictRequestSchema,
  type PredictionInstance,
  type PredictRequest,
  type PredictRequestOptions,
} from './instance.ts';
export { formatIssues, issuePath } from './issues.ts';
export { IDENTIFIER_PATTERN, LINEAGE_COLUMN_NAMES, oneHotColumnName, PARTITION_COLUMN_NAME } from './names.ts';
export { quoteIdentifier, trainingSetSql, type TrainingWindow } from './sql.ts';
export {
  FEATURE_TABLE,
  featureTableColumns,
  isPartitionValue,
  LINEAGE_COLUMNS,
  PARTITION_COLUMN,
  partitionOf,
  sqlTypeOf,
  trainingSetColumns,
  type DescribedColumn,
  type TableColumn,
  type TableColumnType,
} from './table.ts';
export { validateRecord, type Reading, type RecordResult } from './validate.ts';
