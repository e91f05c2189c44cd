export {
  ActorChangedError,
  ChangeHub,
  type ChangeStream,
  getChangeHub,
  PUSH_EVENTS,
  type PushHandlers,
  type SubscribeOptions,
} from './hub';
export {
  CHANGE_CHANNEL,
  ensureChangeTriggers,
  installChangeCapture,
  type ProjectRef,
  pruneChangeLog,
  TRIGGER_NAME,
} from './triggers';
export { actorKey, type ChangeEvent, type ChangeOp } from './visibility';
