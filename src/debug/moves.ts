/**
 * Engine moves, one at a time. A move's stop is reported when it ends; while a launch or restart pauses the run it is
 * held back (and reported only if the launch fails); once the session has ended or the program was replaced, nobody
 * waits for it and it is dropped. A new program starts a new session: moves are allowed and reported again.
 */
import { Engine, Stop } from './engine';
import { UserError } from './errors';

export class Moves {
  running = false;
  /** Set by disconnect/terminate: a move still finishing reports nothing any more, and none starts. */
  private endedFlag = false;
  private holdStops = false;
  private heldStop: Stop | null = null;

  /** `engine` gives the session's engine of the moment (a launch or restart replaces it). */
  constructor(private readonly engine: () => Engine | null, private readonly report: (stop: Stop) => void) {}

  get ended(): boolean {
    return this.endedFlag;
  }

  /**
   * Claims the machine for a move whose response goes out before it starts (run it with `reserved`): a second move
   * is refused from now on, and a pause from now on stops it.
   */
  reserve(): void {
    if (this.running) throw new UserError('the machine is already running; pause it first');
    this.running = true;
    const engine = this.engine();
    if (engine) engine.pauseRequested = false;
  }

  /** Runs a move; its stop goes to `report` (the session's stop reporting unless another is given). */
  async run(fn: () => Stop | Promise<Stop>, report: (stop: Stop) => void = this.report, reserved = false): Promise<void> {
    if (!reserved) this.reserve();
    const engine = this.engine();
    try {
      const stop = await fn();
      if (engine === this.engine() && !this.endedFlag) {
        if (this.holdStops) this.heldStop = stop;
        else report(stop);
      }
    } finally {
      this.running = false;
    }
  }

  pause(): void {
    const engine = this.engine();
    if (engine) engine.pauseRequested = true;
  }

  /** Pauses a run in progress, waits for it (10 s at most) and hands over its stop instead of reporting it. */
  async pauseAndHold(): Promise<Stop | null> {
    this.holdStops = true;
    try {
      this.pause();
      for (let i = 0; this.running && i < 2000; i++) await new Promise((r) => setTimeout(r, 5));
    } finally {
      this.holdStops = false;
    }
    const held = this.heldStop;
    this.heldStop = null;
    return held;
  }

  /** The session ends: a run still going stops, and its stop is never reported. */
  end(): void {
    this.endedFlag = true;
    this.pause();
  }

  /** A new program was loaded (launch, restart): the session lives again. */
  begin(): void {
    this.endedFlag = false;
  }
}
