/**
 * The machine options of `iosim run` and `iosim export`: `--set KEY=VALUE` (repeatable; the keys of a scenario's
 * `machine { }` block) and `--profile host` (this computer's own settings, program/profile.ts). --set applies after
 * the profile; both apply after a scenario's own machine block.
 */
import { CONFIG_KEYS, findConfigKey } from '../machine/config';
import { didYouMean } from '../program/diagnostics';
import { checkOverrides, type MachineOverrides } from '../program/load';
import { applyProfile, describeProfile, hostProfile, PROFILES, type MachineProfile, type ProfileName } from '../program/profile';
import type { ProgramSpec } from '../program/source';
import { escapeControls } from '../shared/escape';

export interface MachineFlags {
  overrides: MachineOverrides;
  profile: ProfileName | null;
}

/** The options checked: the settings, or the usage error that names what is wrong and what was expected. */
export function machineFlags(sets: readonly string[], profile: string | undefined): MachineFlags | { error: string } {
  if (profile !== undefined && !(PROFILES as readonly string[]).includes(profile)) {
    return { error: `--profile: expected ${PROFILES.join(' | ')}, got ${profile}` };
  }
  const overrides: MachineOverrides = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) return { error: `--set: expected KEY=VALUE (a key of the machine block, such as read_ahead_kb=8192), got ${s}` };
    const key = s.slice(0, eq).trim();
    overrides[key] = s.slice(eq + 1).trim();
    const { errors } = checkOverrides({ [key]: overrides[key] });
    if (errors.length) {
      const hint = findConfigKey(key) ? '' : didYouMean(key, CONFIG_KEYS.map((k) => k.key));
      return { error: `--set ${s}: ${errors[0]}${hint}` };
    }
  }
  return { overrides, profile: (profile as ProfileName | undefined) ?? null };
}

/** Applies the profile (if asked) to a loaded program; says on stderr what it used. */
export function applyMachineFlags(spec: ProgramSpec, flags: MachineFlags): MachineProfile | null {
  if (!flags.profile) return null;
  const profile = hostProfile(spec.files);
  applyProfile(spec, profile, flags.overrides);
  process.stderr.write(`iosim: ${escapeControls(describeProfile(profile))}\n`);
  return profile;
}
