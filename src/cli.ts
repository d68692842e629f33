import { Command, CommanderError, Option } from 'commander';
import { ExitCode, NovaError } from './errors.js';
import { printError, printLines, terminalAttached } from './ui/console.js';

// The SDK warns on every run that releases after January 2027 will need Node 22; the versions this
// package pins support Node 20, so the warning tells our users nothing they can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const EXAMPLES = `
Examples:
  # look first: what would be deleted (no change at all, no backup)
  nova-cleanup --tag project=nova-demo --region us-east-1 --dry-run

  # in a terminal: show the plan, ask once, back up, delete
  nova-cleanup --tag project=nova-demo --region us-east-1 --region us-west-2

  # decide resource by resource
  nova-cleanup --tag project=nova-demo --interactive

  # CI: no questions, only in the expected account, JSON report on stdout
  nova-cleanup --tag project=nova-demo --tag env=dev,test --account 123456789012 --yes --json

  # only SageMaker, never IAM roles
  nova-cleanup --tag project=nova-demo --include-type 'sagemaker:*' --exclude-type iam:role --yes

  # against a local emulator
  nova-cleanup --tag project=nova-demo --endpoint-url http://127.0.0.1:5000 --dry-run

Tags: --tag Key=Value (Key=v1,v2 matches either value, Key alone any value); several --tag must all match.
Exit codes: 0 all planned deleted, nothing to do, or dry run; 1 a deletion (or a read) failed;
            2 bad input, configuration or preflight error (nothing changed); 3 aborted by the user.
`;

export function buildProgram(signal: AbortSignal, setExit: (code: number) => void): Command {
  const program = new Command('nova-cleanup')
    .description('Delete every AWS resource that carries the given tags: dry-run first, backup before delete, dependency order.')
    .version('0.1.0')
    .option('-t, --tag <Key=Value>', 'tag to match, repeatable (Key=v1,v2 or Key); all must match', collect)
    .option('-r, --region <region>', 'region to clean, repeatable (default: from the AWS config chain)', collect)
    .option('--profile <name>', 'AWS profile to use')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (emulators); AWS_ENDPOINT_URL works too')
    .option('--dry-run', 'show what would be deleted; change nothing, write no backup')
    .option('-i, --interactive', 'ask for each resource (yes / no / all remaining / quit)')
    .option('-y, --yes', 'ask nothing (required when there is no terminal)')
    .option('--json', 'print the report as one JSON document on stdout (logs go to stderr)')
    .option('--backup-dir <dir>', 'where the backup and journal are written', './nova-cleanup-backups')
    .option('--include-type <service:type>', "only these types, repeatable ('sagemaker:*' allowed)", collect)
    .option('--exclude-type <service:type>', 'never these types, repeatable', collect)
    .option('--account <id>', 'refuse to run unless the credentials belong to this account')
    .addOption(new Option('--wait-timeout <seconds>', 'longest wait for each asynchronous step of a delete (a notebook has up to three)').default('1800'))
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .action(async (raw: Record<string, unknown>) => {
      // Loaded on demand: `--help` and `types` stay fast.
      const [{ parseCleanOptions }, { handlers }, { runClean }, { AutoUi, InteractiveUi }] = await Promise.all([
        import('./options.js'),
        import('./resources/index.js'),
        import('./commands/clean.js'),
        import('./ui/terminal.js'),
      ]);
      const opts = parseCleanOptions(
        { ...raw, tag: raw.tag ?? [], region: raw.region ?? [], includeType: raw.includeType ?? [], excludeType: raw.excludeType ?? [], dryRun: raw.dryRun === true, interactive: raw.interactive === true, yes: raw.yes === true, json: raw.json === true },
        handlers.map((h) => h.type),
      );
      const interactiveTerminal = terminalAttached();
      if (opts.interactive && !interactiveTerminal && !opts.dryRun) {
        throw new NovaError('--interactive needs a terminal to ask in');
      }
      const ui = opts.yes || opts.dryRun || !interactiveTerminal ? new AutoUi(opts.json) : new InteractiveUi(opts.json);
      setExit(await runClean(opts, { ui, interactiveTerminal, signal }));
    });

  program
    .command('types')
    .description('list the supported resource types and what each depends on')
    .option('--json', 'as JSON')
    .action(async (o: { json?: boolean }) => {
      const [{ typesLines }, { handlers }] = await Promise.all([import('./commands/types.js'), import('./resources/index.js')]);
      printLines(typesLines(handlers, o.json === true));
      setExit(ExitCode.Ok);
    });
  return program;
}

async function main(): Promise<void> {
  const abort = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts += 1;
    if (interrupts > 1) {
      printError('Interrupted twice: exiting now. The journal beside the backup shows what was sent.', { notice: true });
      process.exit(130);
    }
    printError('Interrupted: no new deletes will start; waiting for those in flight (Ctrl-C again to quit at once).', { notice: true });
    abort.abort();
  });

  let code: number = ExitCode.Ok;
  const program = buildProgram(abort.signal, (c) => (code = c));
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    code = exitCodeFor(err);
  }
  process.exitCode = code;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // help and version print and end with 0; commander has already printed its one-line error.
    return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  if (err instanceof NovaError) {
    printError(err.message);
    return err.exitCode;
  }
  if (isPromptExit(err)) {
    printError('aborted at the prompt; nothing was deleted');
    return ExitCode.Aborted;
  }
  printError(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return ExitCode.Failed;
}

function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

await main();
