export * from './rule-types';
export { BUILT_IN_FACTS, HISTORY_KEYS, isBuiltInFact } from './rule-facts';
export type { ContactHistory, HistoryKey } from './rule-facts';
export { RULE_LIMITS, rulesInvalid, validateRules } from './rule-validation';
export type { RulesContext, RulesValidation } from './rule-validation';
export { RuleCompileError, RuleEvaluationError, compileRules } from './rule-compiler';
export type { CompileOptions, CompiledRuleSet } from './rule-compiler';
