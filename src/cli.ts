import { Command, CommanderError, Option } from 'commander';
import { ExitCode, NovaError, usageLine } from './errors.js';
import { printError, printLines, quietOnClosedPipe, terminalAttached } from './ui/console.js';
import type { ErrorReport } from './model.js';
import { timing } from './timing.js';
import type { Ui, Verbosity } from './ui/ui.js';
import { VERSION } from './version.js';

// The SDK warns on every run that releases after January 2027 will need Node 22; the versions this
// package pins support Node 20, so the warning tells our users nothing they can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const EXAMPLES = `
Examples:
  # look first: what would be deleted, and why everything else stays (no change at all, no backup)
  nova-cleanup --tag project=nova-demo --region us-east-1 --dry-run

  # in a terminal: show the plan, type the account id to confirm, back up, delete
  nova-cleanup --tag project=nova-demo --region us-east-1,us-west-2

  # have a cleanup reviewed: write the plan, then carry out exactly that plan
  nova-cleanup plan --tag project=nova-demo --region us-east-1 --out plan.json
  nova-cleanup apply plan.json --yes

  # finish a run that was stopped (Ctrl-C, a crash, a failure)
  nova-cleanup resume ./nova-cleanup-backups/<run>.journal.ndjson --yes

  # CI: no questions, only in the expected account, JSON report on stdout
  nova-cleanup --tag project=nova-demo --tag env=dev,test --account 123456789012 --yes --json

Tags: --tag Key=Value (Key=v1,v2 matches either value, Key alone any value, Key="" an empty value);
      several --tag must all match.
Exit codes: 0 everything planned was deleted (or gone), nothing to do, or a dry run found no problem;
            1 a deletion or a read failed, or a tagged resource is of an unsupported type;
            2 bad input, configuration or preflight error (nothing changed);
            3 stopped by the user (declined, Ctrl-C or SIGTERM: in-flight deletes finish, then the report);
            130 a second Ctrl-C or SIGTERM: exited at once (resume finishes the job).
`;

type Setter = (code: number) => void;

const selectionOptions = (c: Command): Command =>
  c
    .option('-t, --tag <Key=Value>', 'tag to match, repeatable (Key=v1,v2, Key, or Key="" for an empty value); all must match', collect)
    .option('-r, --region <region>', 'region to clean, repeatable or comma-separated (default: from the AWS config chain)', collect)
    .option('--include-type <service:type>', "only these types, repeatable ('sagemaker:*' allowed)", collect)
    .option('--exclude-type <service:type>', 'never these types, repeatable', collect)
    .option('--all-regions', 'every region enabled for the account (instead of --region)')
    .addOption(new Option('--discovery <how>', 'tagging: the Tagging API (own listings where it does not reach); list: each type\'s own list + tags calls; both: a cross-check').choices(['tagging', 'list', 'both']).default('tagging'))
    .option('--delete-shared-log-groups', 'also delete tagged account-wide log groups every job of a service writes to (protected by default)')
    .option('--delete-studio-efs', "delete a Studio domain's EFS home volume with the domain (retained by default)")
    .option('--delete-owned-log-groups', "also delete the log group of each deleted Lambda function or SageMaker endpoint, tagged or not, when nothing that stays writes to it")
    .option('--assume-absent <service:type>', 'take it that there is none of this type (one the credentials cannot list): neither listed nor looked for as a user; repeatable', collect);

const awsOptions = (c: Command): Command =>
  c
    .option('--profile <name>', 'AWS profile to use')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (emulators); AWS_ENDPOINT_URL works too')
    .option('--account <id>', 'refuse to run unless the credentials belong to this account')
    .option('--allow-account <id>', 'refuse to run unless the credentials belong to one of these accounts; repeatable', collect)
    .option('--block-account <id>', 'never run in this account; repeatable', collect)
    .option('--allow-prod-alias', "run even if the account's alias contains \"prod\" (refused by default)")
    .option('--json', 'print the report as one JSON document on stdout (logs go to stderr)')
    .option('--debug', 'log every AWS call attempt on stderr: service, operation, region, attempt, status, time; and the stack of an unexpected error')
    .option('-q, --quiet', 'print only errors and the one-line summary (with --json: nothing on stderr but errors)')
    .option('--verbose', 'print more for each resource: each step of its delete as it starts')
    .option('--color', 'colour the output even when it is not a terminal (as FORCE_COLOR=1)')
    .option('--no-color', 'never colour the output (wins over --color, FORCE_COLOR and a terminal)')
    .addOption(new Option('--wait-timeout <seconds>', 'longest wait for each asynchronous step of a delete (a notebook has up to three)').default('1800'))
    .option('--concurrency <n>', 'at most n operations (describes, listings, deletes) at once per service and region; lowers the built-in table, never raises it');

/** `--config` and the protections: `clean`, `plan`, `apply` and `config`. */
const configOptions = (c: Command): Command =>
  c
    .option('--config <file>', 'read settings from this JSON or YAML file (a flag given here wins over its key)')
    .option('--protect-arn <arn>', 'never delete this resource (shown as protected; what it uses stays); repeatable', collect)
    .option('--protect-name <glob>', "never delete a resource whose name matches ('*' any characters, '?' one); repeatable", collect);

const limitOptions = (c: Command): Command =>
  c
    .option('--max-resources <n>', 'refuse a plan that deletes more than n resources')
    .option('--expect-count <n|service:type=n>', 'refuse unless the plan deletes exactly n resources (or n of the type); repeatable', collect);

const confirmOptions = (c: Command): Command =>
  c
    .option('-i, --interactive', 'ask for each resource (yes / no / all remaining / quit)')
    .option('-y, --yes', 'ask nothing (required when there is no terminal)')
    .option('--backup-dir <dir>', 'where the backup and journal are written (a folder only you can write to)', './nova-cleanup-backups')
    .option('--redact', 'replace secret values (environment variables...) with "<redacted>" in the backup; restore cannot bring them back');

/** commander's raw options with the repeatable ones defaulted and the switches made booleans. */
function normalize(raw: Record<string, unknown>): Record<string, unknown> {
  return {
    ...raw,
    tag: raw.tag ?? [],
    region: raw.region ?? [],
    includeType: raw.includeType ?? [],
    excludeType: raw.excludeType ?? [],
    assumeAbsent: raw.assumeAbsent ?? [],
    protectArn: raw.protectArn ?? [],
    protectName: raw.protectName ?? [],
    dryRun: raw.dryRun === true,
    allRegions: raw.allRegions === true,
    allowProdAlias: raw.allowProdAlias === true,
    deleteSharedLogGroups: raw.deleteSharedLogGroups === true,
    deleteStudioEfs: raw.deleteStudioEfs === true,
    deleteOwnedLogGroups: raw.deleteOwnedLogGroups === true,
    interactive: raw.interactive === true,
    yes: raw.yes === true,
    json: raw.json === true,
  };
}

/** What the command being run was asked to print: set before its action runs (the preAction hook). */
const output: { command?: string; verbosity: Verbosity; color?: boolean | undefined; documents: () => number; ui?: Pick<Ui, 'interrupted'> } = { verbosity: 'normal', documents: () => 0 };

/** `--quiet` / `--verbose` / `--color` / `--no-color` of the command about to run. */
function outputOptions(command: Command): void {
  // Given before the command's name (`nova-cleanup --no-color plan`), they belong to the program: both count.
  const o = command.optsWithGlobals<{ quiet?: boolean; verbose?: boolean; color?: boolean }>();
  if (o.quiet && o.verbose) throw new NovaError('--quiet and --verbose contradict each other; choose one');
  output.command = command.parent ? command.name() : 'clean';
  output.verbosity = o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal';
  output.color = o.color;
}

async function deps(json: boolean, autoConfirm: boolean, signal: AbortSignal) {
  const [{ registry }, { AutoUi, InteractiveUi }] = await Promise.all([import('./resources/index.js'), import('./ui/terminal.js')]);
  const interactiveTerminal = terminalAttached();
  const options = { verbosity: output.verbosity, color: output.color };
  const ui = autoConfirm || !interactiveTerminal ? new AutoUi(json, undefined, options) : new InteractiveUi(json, undefined, options);
  output.documents = () => ui.documents;
  output.ui = ui;
  return { ui, interactiveTerminal, signal, registry };
}

/** Two deliveries of one signal closer than this are one (the launcher's copy and the terminal's). */
const SAME_SIGNAL_MS = 250;

export function buildProgram(signal: AbortSignal, setExit: Setter): Command {
  const program = new Command('nova-cleanup')
    .description('Delete every AWS resource that carries the given tags and that nothing left alone still uses: dry-run first, backup before delete, dependency order.')
    .version(VERSION)
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    // commander's errors are printed by exitCodeFor, as one line with the program's prefix.
    .configureOutput({ outputError: () => undefined })
    .exitOverride()
    .hook('preAction', (_program, command) => outputOptions(command));
  selectionOptions(program);
  awsOptions(program);
  limitOptions(program);
  confirmOptions(program);
  configOptions(program);
  program
    .option('--dry-run', 'show what would be deleted and why; change nothing, write no backup')
    .addHelpText('after', EXAMPLES)
    .action(async (raw: Record<string, unknown>) => {
      // Loaded on demand: `--help` and `types` stay fast.
      const [{ parseCleanOptions }, { runClean }, { registry }, { withConfig }] = await Promise.all([import('./options.js'), import('./commands/clean.js'), import('./resources/index.js'), import('./config.js')]);
      const types = registry.handlers.map((h) => h.type);
      const opts = parseCleanOptions(normalize((await withConfig(raw, program, types)).raw), types);
      if (opts.interactive && !terminalAttached() && !opts.dryRun) throw new NovaError('--interactive needs a terminal to ask in');
      setExit(await runClean(opts, await deps(opts.json, opts.yes || opts.dryRun, signal)));
    });

  const plan = program.command('plan').description('write the plan (what would be deleted, and why the rest stays) without changing anything');
  selectionOptions(plan);
  awsOptions(plan);
  limitOptions(plan);
  configOptions(plan);
  plan.option('-o, --out <file>', 'write the plan document here (JSON, mode 0600; never overwrites)').action(async (raw: Record<string, unknown>) => {
    const [{ parseSelection, parseAwsOptions, parseLimits }, { runClean }, { registry }, { withConfig }] = await Promise.all([import('./options.js'), import('./commands/clean.js'), import('./resources/index.js'), import('./config.js')]);
    const r = normalize((await withConfig(raw, plan, registry.handlers.map((h) => h.type))).raw);
    const selection = parseSelection(r, registry.handlers.map((h) => h.type));
    const aws = parseAwsOptions(r);
    const limits = parseLimits(r, registry.handlers.map((h) => h.type));
    if (raw.out !== undefined && (typeof raw.out !== 'string' || raw.out === '')) throw new NovaError('--out: give a file name');
    const out = raw.out as string | undefined;
    setExit(await runClean({ ...selection, ...aws, limits, interactive: false, yes: true, backupDir: '', dryRun: true, out, command: 'plan' }, await deps(aws.json, true, signal)));
  });

  const apply = program.command('apply').description('carry out a plan written by `plan --out`, and nothing else').argument('<plan>', 'the plan file');
  awsOptions(apply);
  limitOptions(apply);
  confirmOptions(apply);
  configOptions(apply);
  apply.option('-r, --region <region>', 'refuse unless each is one of the plan\'s regions', collect).action(async (file: string, raw: Record<string, unknown>) => {
    const [{ parseAwsOptions, parseConfirmOptions, parseLimits }, { runApply }, { registry }, { withConfig }] = await Promise.all([import('./options.js'), import('./commands/apply.js'), import('./resources/index.js'), import('./config.js')]);
    // The plan records what to look for (tags, regions, types): of the file, apply takes the guards, limits, protections and pace.
    const r = normalize((await withConfig(raw, apply, registry.handlers.map((h) => h.type), ['region'])).raw);
    const aws = parseAwsOptions(r);
    const confirm = parseConfirmOptions(r);
    const limits = parseLimits(r, registry.handlers.map((h) => h.type));
    if (confirm.interactive && !terminalAttached()) throw new NovaError('--interactive needs a terminal to ask in');
    const regions = (r.region as string[]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    setExit(await runApply({ ...aws, ...confirm, file, regions, limits }, await deps(aws.json, confirm.yes, signal)));
  });

  const resume = program
    .command('resume')
    .description('finish a run that was stopped: skip what its journal says is deleted, re-check and delete the rest')
    .argument('<journal-or-backup>', 'the run\'s journal (.journal.ndjson) or backup (.json)');
  awsOptions(resume);
  resume.option('-y, --yes', 'ask nothing (required when there is no terminal)').action(async (file: string, raw: Record<string, unknown>) => {
    const [{ parseAwsOptions }, { runResume }] = await Promise.all([import('./options.js'), import('./commands/resume.js')]);
    const r = normalize(raw);
    const aws = parseAwsOptions(r);
    setExit(await runResume({ ...aws, file, yes: r.yes === true }, await deps(aws.json, r.yes === true, signal)));
  });

  const restore = program
    .command('restore')
    .description('re-create what a backup can bring back (what exists is left as it is), and list what it cannot')
    .argument('<backup>', 'the backup (.json) a run wrote')
    .option('--only <arn>', 'only this resource of the backup, repeatable', collect)
    .option('--dry-run', 'show what would be re-created; change nothing')
    .option('-y, --yes', 'ask nothing (required when there is no terminal)');
  awsOptions(restore);
  restore.action(async (file: string, raw: Record<string, unknown>) => {
    const [{ parseAwsOptions }, { runRestore }] = await Promise.all([import('./options.js'), import('./commands/restore.js')]);
    const r = normalize(raw);
    const aws = parseAwsOptions(r);
    const only = ((raw.only as string[] | undefined) ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    setExit(await runRestore({ ...aws, file, only, dryRun: r.dryRun === true, yes: r.yes === true }, await deps(aws.json, r.yes === true || r.dryRun === true, signal)));
  });

  const tag = program
    .command('tag')
    .description('tag resources found by their names (untagged Nova leftovers), so that the next cleanup is tag-scoped; never deletes')
    .option('--name-prefix <prefix>', 'a name prefix to look for, repeatable (a leading * matches the end of the name)', collect)
    .addOption(new Option('--preset <name>', "names a known tool gives what it creates ('nova': the Nova customization SDK)").choices(['nova']))
    .option('-t, --tag <Key=Value>', 'the tag to add, repeatable (a value is required)', collect)
    .option('--type <service:type>', 'only these types, repeatable', collect)
    .option('-r, --region <region>', 'region to look in, repeatable or comma-separated', collect)
    .option('--all-regions', 'every region enabled for the account')
    .option('--assume-absent <service:type>', 'take it that there is none of this type (one the credentials cannot list): not listed; repeatable', collect)
    .option('--dry-run', 'show what would be tagged; change nothing')
    .option('-i, --interactive', 'ask for each resource')
    .option('-y, --yes', 'ask nothing (required when there is no terminal)')
    .option('--backup-dir <dir>', 'where the journal of what was tagged is written', './nova-cleanup-backups');
  awsOptions(tag);
  tag.action(async (raw: Record<string, unknown>) => {
    const [{ parseTagCommand }, { runTag }, { registry }] = await Promise.all([import('./options.js'), import('./commands/tag.js'), import('./resources/index.js')]);
    const opts = parseTagCommand(normalize({ ...raw, includeType: raw.type }), registry.handlers.map((h) => h.type));
    if (opts.interactive && !terminalAttached() && !opts.dryRun) throw new NovaError('--interactive needs a terminal to ask in');
    setExit(await runTag(opts, await deps(opts.json, opts.yes || opts.dryRun, signal)));
  });

  const config = program
    .command('config')
    .description('print the settings a cleanup with these options and --config file would use, and where each came from (flag, file, default); no AWS call')
    .option('--explain', 'the explanation (also what `config` alone prints)')
    .option('--dry-run', 'accepted, so that a cleanup\'s command line can be explained as it is (config never changes anything)');
  selectionOptions(config);
  awsOptions(config);
  limitOptions(config);
  confirmOptions(config);
  configOptions(config);
  config.action(async (raw: Record<string, unknown>) => {
    const [{ parseCleanOptions }, { registry }, { withConfig }, { effectiveSettings, explainLines }] = await Promise.all([import('./options.js'), import('./resources/index.js'), import('./config.js'), import('./commands/config.js')]);
    const types = registry.handlers.map((h) => h.type);
    const merged = await withConfig(raw, config, types);
    const opts = parseCleanOptions(normalize(merged.raw), types);
    printLines(explainLines(effectiveSettings(opts, merged.sources), merged.path, opts.json));
    setExit(ExitCode.Ok);
  });

  // `nova-cleanup help <command>` (commander adds its own only to a program without an action).
  program
    .command('help')
    .description('show the help of a command')
    .argument('[command]', 'the command')
    .action((name?: string) => {
      const target = name === undefined ? program : program.commands.find((c) => c.name() === name);
      if (!target) throw new NovaError(`help: no command "${name}" (${program.commands.map((c) => c.name()).join(', ')}); see \`nova-cleanup --help\``);
      target.outputHelp();
      setExit(ExitCode.Ok);
    });

  program
    .command('types')
    .description('list the supported resource types, what each may use, and how each is tested')
    .option('--json', 'as JSON')
    .option('--color', 'accepted, as by every command (the list has no colour)')
    .option('--no-color', 'accepted, as by every command')
    .action(async (o: { json?: boolean }) => {
      const [{ typesLines }, { handlers }] = await Promise.all([import('./commands/types.js'), import('./resources/index.js')]);
      printLines(typesLines(handlers, o.json === true));
      setExit(ExitCode.Ok);
    });

  program
    .command('policy')
    .description('print the least-privilege IAM policy for running the tool with these tags (JSON; no AWS call)')
    .option('-t, --tag <Key=Value>', 'the tag the cleanup will match, repeatable (Key=v1,v2, Key, or Key=""): the condition of the deletes', collect)
    .option('--s3-bucket <glob>', "narrow S3 to these bucket names, repeatable ('nova-demo-*'; default: every bucket)", collect)
    .option('--json', 'accepted, as by every command (the policy is JSON)')
    .option('--color', 'accepted, as by every command (the policy has no colour)')
    .option('--no-color', 'accepted, as by every command')
    .action(async (raw: Record<string, unknown>) => {
      const [{ parsePolicyOptions, policyText }, { handlers }] = await Promise.all([import('./commands/policy.js'), import('./resources/index.js')]);
      printLines([policyText(handlers, parsePolicyOptions(raw))]);
      setExit(ExitCode.Ok);
    });
  return program;
}

async function main(): Promise<void> {
  // The SDK's notice that its releases after January 2027 need Node.js 22: this package's own SDK
  // versions run on the Node.js its engines field names, and a user cannot act on it (set it to false to see it).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const abort = new AbortController();
  let interrupts = 0;
  // bin/nova-cleanup.js passes on a signal sent to it alone; a terminal's Ctrl-C reaches it and this
  // process both, so the same signal twice within SAME_SIGNAL_MS is one keypress.
  let last = { signal: '', at: -Infinity };
  const stop = (signal: string) => {
    const at = performance.now();
    if (signal === last.signal && at - last.at < SAME_SIGNAL_MS) return;
    last = { signal, at };
    interrupts += 1;
    // Through the Ui once it exists: it says what is still running, and clears its status block first.
    if (output.ui) output.ui.interrupted(signal, interrupts > 1);
    if (interrupts > 1) {
      if (!output.ui) printError(`${signal} again: exiting now (exit 130). The journal beside the backup shows what was sent; \`nova-cleanup resume <journal>\` finishes the job.`, { notice: true });
      process.exit(130);
    }
    if (!output.ui) printError(`${signal}: no new deletes will start; waiting for those in flight, then the report (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to quit at once).`, { notice: true });
    abort.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  quietOnClosedPipe();

  let code: number = ExitCode.Ok;
  const program = buildProgram(abort.signal, (c) => (code = c));
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    code = exitCodeFor(err);
    // --json: one JSON document on stdout on every exit; an error that came before (or instead of) the report is that document.
    if (code !== ExitCode.Ok && flagGiven('--json') && output.documents() === 0) printLines([JSON.stringify(errorReport(err, code, program), null, 2)]);
  }
  if (abort.signal.aborted && code === ExitCode.Ok) code = ExitCode.Aborted;
  process.exitCode = code;
  // A backstop: a filesystem call that never answers (a hung mount) must not keep a finished run alive.
  setTimeout(() => process.exit(code), 3000).unref();
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // help and version print and end with 0; an error is one line, as every other.
    if (err.exitCode === 0) return ExitCode.Ok;
    printError(usageLine(err.message, process.argv.slice(2)));
    return ExitCode.Usage;
  }
  if (err instanceof NovaError) {
    printError(err.message);
    return err.exitCode;
  }
  if (isPromptExit(err)) {
    printError('aborted at the prompt; nothing was deleted');
    return ExitCode.Aborted;
  }
  // The stack only with --debug: a user sees one line.
  const debug = process.argv.includes('--debug');
  printError(`unexpected error: ${err instanceof Error ? ((debug ? err.stack : undefined) ?? err.message.split('\n')[0]) : String(err)}${debug ? '' : ' (--debug shows where)'}`);
  return ExitCode.Failed;
}

/** A switch given on the command line (before a `--`), whether or not commander got as far as reading it. */
function flagGiven(flag: string): boolean {
  const argv = process.argv.slice(2);
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes(flag);
}

/** `--json`'s document for a run that ended with an error: the tool, the command, when, how long, and the error's code apart from its message. */
function errorReport(err: unknown, exitCode: number, program: Command): ErrorReport {
  const names = program.commands.map((c) => c.name());
  const command = output.command ?? process.argv.slice(2).find((a) => names.includes(a)) ?? 'clean';
  const error: ErrorReport['error'] =
    err instanceof CommanderError
      ? { code: 'usage', message: usageLine(err.message, process.argv.slice(2)) }
      : err instanceof NovaError
        ? { code: err.code, message: err.message }
        : isPromptExit(err)
          ? { code: 'aborted', message: 'aborted at the prompt; nothing was deleted' }
          : { code: 'unexpected', message: `unexpected error: ${err instanceof Error ? (err.message.split('\n')[0] ?? err.name) : String(err)}` };
  return { version: 2, tool: { name: 'nova-cleanup', version: VERSION }, command, ...timing(), exitCode, error };
}

function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

await main();
