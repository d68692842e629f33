/** The tool's version: written into every plan, backup and report (a unit test keeps it equal to package.json's). */
export const VERSION = '0.1.0';
export const TOOL = { name: 'nova-cleanup', version: VERSION } as const;
