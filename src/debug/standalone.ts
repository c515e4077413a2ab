/** The adapter as its own process, speaking DAP over stdin/stdout (tests, nvim-dap, the extension's separate mode). */
import { DebugSession } from '@vscode/debugadapter';
import { IoMachineSession } from './session';

// stdout belongs to the protocol: anything else printed by mistake goes to stderr.
console.log = console.error;
console.info = console.error;
DebugSession.run(IoMachineSession);
