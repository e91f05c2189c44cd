export { ActorChangedError, ChangeHub, getChangeHub, type SubscribeOptions } from './hub';
export {
  CHANGE_CHANNEL,
  ensureChangeTriggers,
  installChangeCapture,
  type ProjectRef,
  pruneChangeLog,
  TRIGGER_NAME,
} from './triggers';
export { actorKey, type ChangeEvent, type ChangeOp } from './visibility';
