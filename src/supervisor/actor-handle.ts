import type { ActorResult, ActorState, CollectReport, CollectRequest, PersistReport, PersistRequest } from '../actors/types.js';

/** What the supervisor needs of an actor; MinerActor is the implementation. */
export interface ActorHandle {
  readonly uid: number;
  readonly hotkey: string;
  readonly state: ActorState;
  collect(request: CollectRequest): Promise<ActorResult<CollectReport>>;
  persist(request: PersistRequest): Promise<ActorResult<PersistReport>>;
  stop(reason?: string): Promise<void>;
}
