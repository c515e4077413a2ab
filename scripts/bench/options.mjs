// The bench scripts' command-line options: `--name value`, read from process.argv.
const args = process.argv.slice(2);

/** The string after `--name`, or undefined when the option is not given. */
export function stringOption(name) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The number after `--name`, or `def` when the option is not given. */
export function numberOption(name, def) {
  const v = stringOption(name);
  return v === undefined ? def : Number(v);
}
