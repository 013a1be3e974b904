import type { Site } from '../model';
import { at, type Finding, type SiteRef } from './finding';

/** Phase dates run in order, and a site reaches phase 2 only through a signed-off Phase 1. */
export function checkSchedule(site: Site, ref: SiteRef): Finding[] {
  const findings: Finding[] = [];
  const { phase1, phase2 } = site.schedule;
  if (phase1.end < phase1.start) {
    findings.push(at(ref, ['schedule', 'phase1', 'end'], `"${phase1.end}" is before phase1.start "${phase1.start}"`));
  }
  if (phase2.start < phase1.end) {
    findings.push(
      at(
        ref,
        ['schedule', 'phase2', 'start'],
        `"${phase2.start}" is before phase1.end "${phase1.end}" (Phase 2 starts after Phase 1 ends)`,
      ),
    );
  }
  if (phase2.end < phase2.start) {
    findings.push(at(ref, ['schedule', 'phase2', 'end'], `"${phase2.end}" is before phase2.start "${phase2.start}"`));
  }
  const signOff = site.acceptance.signOff;
  if (site.phase === 2 && !signOff) {
    findings.push(
      at(
        ref,
        ['phase'],
        '2 needs a signed-off Phase 1 acceptance: add acceptance.signOff { date, report } with the results reference, or keep phase: 1',
      ),
    );
  }
  if (signOff && (signOff.date < phase1.start || signOff.date > phase2.start)) {
    findings.push(
      at(
        ref,
        ['acceptance', 'signOff', 'date'],
        `"${signOff.date}" is outside Phase 1 acceptance (allowed: from phase1.start "${phase1.start}" to phase2.start "${phase2.start}")`,
      ),
    );
  }
  return findings;
}
