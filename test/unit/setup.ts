import 'aws-sdk-client-mock-jest/vitest';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Cmd = abstract new (...args: any[]) => any;

// aws-sdk-client-mock-jest augments `vitest`, which vitest 4 does not merge; its Matchers interface is the documented extension point:
// the matchers it registers at runtime are declared here for the type checker.
declare module 'vitest' {
  interface Matchers<T = any> {
    toHaveReceivedCommand(command: Cmd): T;
    toHaveReceivedCommandTimes(command: Cmd, times: number): T;
    toHaveReceivedCommandWith(command: Cmd, input: Record<string, unknown>): T;
    toHaveReceivedNthCommandWith(call: number, command: Cmd, input: Record<string, unknown>): T;
    toHaveReceivedNthSpecificCommandWith(call: number, command: Cmd, input: Record<string, unknown>): T;
    toHaveReceivedAnyCommand(): T;
  }
}
