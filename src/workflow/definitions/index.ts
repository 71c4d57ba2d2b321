export { parseDefinition, loadDefinitionFile, loadDefinitions, DefinitionRegistry } from './definition.loader';
export { DefinitionError, type DefinitionIssue } from './definition.errors';
export { KNOWN_ROLES } from './definition.schema';
