/** What the adapter tells a client it can do (the initialize response). */
import { DebugProtocol } from '@vscode/debugprotocol';
import { EXCEPTION_FILTERS } from './breakpoints';

export function capabilities(): DebugProtocol.Capabilities {
  return {
    supportsConfigurationDoneRequest: true,
    supportsFunctionBreakpoints: true,
    supportsConditionalBreakpoints: true,
    supportsHitConditionalBreakpoints: true,
    supportsLogPoints: true,
    supportsStepBack: true,
    supportsRestartRequest: true,
    supportsGotoTargetsRequest: true,
    supportsEvaluateForHovers: true,
    supportsSetVariable: true,
    supportsCompletionsRequest: true,
    completionTriggerCharacters: [' '],
    supportsDataBreakpoints: true,
    supportsReadMemoryRequest: true,
    supportsExceptionFilterOptions: true,
    supportsExceptionInfoRequest: true,
    supportsTerminateRequest: true,
    supportsSteppingGranularity: true,
    supportsDelayedStackTraceLoading: false,
    exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({
      filter: f.filter, label: f.label, description: f.description, default: false, supportsCondition: true,
      conditionDescription: 'e.g. file == "/srv/hot.html" && page < 4',
    })),
  };
}
