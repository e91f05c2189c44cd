export { aggregateRows } from './aggregate';
export {
  announceChanges,
  CHANGE_CHANNEL,
  canAnnounceChanges,
  NOTIFY_AFTER_COMMIT,
} from './change-notices';
export { addColumn, removeColumn, setSystemManagedColumns, updateColumn } from './columns';
export { createEndUser, type EndUser, findEndUserCredentials, listEndUsers, setEndUserRole } from './end-users';
export { DataAccessError, type DataAccessErrorCode } from './errors';
export { cachedWithMetadata, findTable, listTables, loadTable as getTable, pinMetadata } from './metadata';
export { nameProblem } from './names';
export {
  cachedPermissionMatrix,
  checkActionPermission,
  createRole,
  deleteRole,
  getPermissionMatrix,
  listRoles,
  type PermissionMatrix,
  type RoleInfo,
  setActionPermission,
  setTablePermission,
} from './permissions';
export { dropProjectSchema, provisionProjectSchema } from './provision';
export { deleteRows, getRow, insertRow, queryRows, updateRows } from './rows';
export {
  addTableDependency,
  createSystemTable,
  createTable,
  deleteTable,
  removeTableDependency,
  renameTable,
  setOwnerColumn,
  type TableDef,
  type TableDependencyCheck,
  tableDependents,
} from './tables';
export * from './types';
