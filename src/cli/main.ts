/** The Node CLI: `npm run cli -- <command> [flags]`. One file per command in ./commands. */
import { UsageError, type Command } from './args.ts';
import { convertCommand } from './commands/convert.ts';
import { evalCommand } from './commands/eval.ts';
import { calibrateCommand } from './commands/calibrate.ts';
import { compareCommand } from './commands/compare.ts';
import { forwardCommand } from './commands/forward.ts';
import { sampleCommand } from './commands/sample.ts';

const commands: Record<string, Command> = {
  convert: convertCommand,
  forward: forwardCommand,
  sample: sampleCommand,
  calibrate: calibrateCommand,
  eval: evalCommand,
  compare: compareCommand,
};

function help(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}\n      ${c.usage}`);
  return `usage: npm run cli -- <command> [flags]\n\ncommands:\n${lines.join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError) console.error(`${err.message}\nusage: ${command.usage}`);
    else console.error(`${name} failed: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`);
    if (process.env.ADACACHE_DEBUG) console.error(err.stack);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
