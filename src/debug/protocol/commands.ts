/**
 * Which requests the adapter answers. A DAP request outside SUPPORTED_COMMANDS is refused by name, never answered
 * with the base class's empty success (a client would believe it had attached, or that there are no loaded sources).
 */
import { COMPARE_REQUEST, EXPORT_REQUEST, SEEK_REQUEST, STATE_REQUEST, WHY_REQUEST } from '../../shared/messages';

/** The DAP requests the session implements (scripts/dap-schema.mjs extracts their schema; a test keeps both in step). */
export const SUPPORTED_COMMANDS = [
  'initialize', 'configurationDone', 'launch', 'restart', 'disconnect', 'terminate', 'setBreakpoints',
  'setFunctionBreakpoints', 'setExceptionBreakpoints', 'dataBreakpointInfo', 'setDataBreakpoints', 'continue', 'next',
  'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'pause', 'gotoTargets', 'goto', 'threads', 'stackTrace', 'source',
  'scopes', 'variables', 'setVariable', 'evaluate', 'completions', 'readMemory', 'exceptionInfo',
] as const;

/** The extension's own requests (src/shared/messages.ts). */
export const CUSTOM_COMMANDS = [STATE_REQUEST, SEEK_REQUEST, EXPORT_REQUEST, COMPARE_REQUEST, WHY_REQUEST] as const;

/**
 * Requests of the protocol this adapter does not serve, with the capability that would announce each; none of those
 * capabilities is announced. Reverse requests (runInTerminal, startDebugging) go from adapter to client only.
 */
export const UNSUPPORTED_COMMANDS: Readonly<Record<string, string | null>> = {
  attach: null,
  restartFrame: 'supportsRestartFrame',
  setExpression: 'supportsSetExpression',
  stepInTargets: 'supportsStepInTargetsRequest',
  loadedSources: 'supportsLoadedSourcesRequest',
  modules: 'supportsModulesRequest',
  terminateThreads: 'supportsTerminateThreadsRequest',
  breakpointLocations: 'supportsBreakpointLocationsRequest',
  setInstructionBreakpoints: 'supportsInstructionBreakpoints',
  writeMemory: 'supportsWriteMemoryRequest',
  disassemble: 'supportsDisassembleRequest',
  cancel: 'supportsCancelRequest',
  locations: null,
  runInTerminal: null,
  startDebugging: null,
};

const SUPPORTED = new Set<string>([...SUPPORTED_COMMANDS, ...CUSTOM_COMMANDS]);

/** Null when the adapter serves `command`; otherwise the message of the error response. */
export function refusal(command: string): string | null {
  if (SUPPORTED.has(command)) return null;
  if (Object.prototype.hasOwnProperty.call(UNSUPPORTED_COMMANDS, command)) return `'${command}' is not supported`;
  return `unknown request '${command}'`;
}
