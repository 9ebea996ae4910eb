import { EventEmitter } from "eventemitter3";
import type { PrecinctEventMap, PrecinctEventName } from "../spec/events.js";

/** A listener of one event. */
export type Listener<E extends PrecinctEventName> = (payload: PrecinctEventMap[E]) => void | Promise<void>;

/**
 * The typed event bus. Events are emitted after the change they describe is committed. A listener that
 * throws (or rejects) never undoes the change nor stops other listeners: its error goes to `onError`.
 */
export class EventBus {
  readonly #emitter = new EventEmitter();
  readonly #onError: (error: unknown, event: PrecinctEventName) => void;

  /** @param onError - receives listener errors; by default they are written to `console.error`. */
  constructor(onError?: (error: unknown, event: PrecinctEventName) => void) {
    this.#onError =
      onError ?? ((error, event) => console.error(`precinct: a listener of "${event}" failed:`, error));
  }

  /** Calls `listener` on every `event`; returns a function that removes it. */
  on<E extends PrecinctEventName>(event: E, listener: Listener<E>): () => void {
    const wrapped = (payload: PrecinctEventMap[E]) => this.#call(event, listener, payload);
    this.#emitter.on(event, wrapped);
    return () => this.#emitter.off(event, wrapped);
  }

  /** Calls `listener` on the next `event` only. */
  once<E extends PrecinctEventName>(event: E, listener: Listener<E>): () => void {
    const wrapped = (payload: PrecinctEventMap[E]) => this.#call(event, listener, payload);
    this.#emitter.once(event, wrapped);
    return () => this.#emitter.off(event, wrapped);
  }

  /** Emits `event` to its listeners. */
  emit<E extends PrecinctEventName>(event: E, payload: PrecinctEventMap[E]): void {
    this.#emitter.emit(event, payload);
  }

  /** Number of listeners of `event`. */
  listenerCount(event: PrecinctEventName): number {
    return this.#emitter.listenerCount(event);
  }

  /** Removes every listener. */
  clear(): void {
    this.#emitter.removeAllListeners();
  }

  #call<E extends PrecinctEventName>(event: E, listener: Listener<E>, payload: PrecinctEventMap[E]): void {
    try {
      const result = listener(payload);
      if (result && typeof (result as Promise<void>).catch === "function") {
        (result as Promise<void>).catch((error: unknown) => this.#onError(error, event));
      }
    } catch (error) {
      this.#onError(error, event);
    }
  }
}
