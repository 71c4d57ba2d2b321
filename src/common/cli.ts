/** For the project's scripts: `--help` (or `-h`) prints the usage and exits 0 before anything else happens. */
export function helpRequested(argv: readonly string[], usage: string): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  process.stdout.write(`${usage.trim()}\n`);
  process.exit(0);
}
