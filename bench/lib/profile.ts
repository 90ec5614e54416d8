/** Summaries of V8 CPU profiles (.cpuprofile, the format `node --cpu-prof` writes) and heap samples. */
import { readFileSync } from 'node:fs';
import type { HeapSampleNode } from './inspector.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeEntry {
  name: string;
  where: string;
  ms: number;
  /** Share of the busy (non-idle) time. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  top: SelfTimeEntry[];
  /** Self time grouped by package / area. */
  byArea: { area: string; ms: number; percent: number }[];
  /**
   * Inclusive time per package: samples with at least one frame of that package on the stack
   * (shares add up to more than 100%). Shows e.g. how much time runs under kysely or undici.
   */
  inclusiveByArea: { area: string; ms: number; percent: number }[];
}

function shortWhere(url: string, line: number): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  const short = nm >= 0 ? path.slice(nm + '/node_modules/'.length) : path.replace(/^.*\/(dist|src)\//, '$1/');
  return `${short}:${line + 1}`;
}

export function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return '(program: native, not attributed)';
  if (!url) return '(native / builtins)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:internal/deps/undici')) return 'undici (global fetch)';
  if (url.startsWith('node:')) return 'node core';
  if (/\/(dist|src)\//.test(path)) return 'gateway code';
  return 'other';
}

export function summariseProfileFile(file: string, topN = 15): ProfileSummary {
  return summariseProfile(JSON.parse(readFileSync(file, 'utf8')), file, topN);
}

export function summariseProfile(raw: unknown, file: string, topN = 15): ProfileSummary {
  const profile = raw as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  // The first sample's delta spans the profiler's own start-up (it can be hundreds of ms): left out.
  for (let i = 1; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byArea = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = shortWhere(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${name}@${where}`;
    const entry = byFunction.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const area = areaOf(node.callFrame.url, name);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const pct = (us: number) => (busyUs > 0 ? (us / busyUs) * 100 : 0);

  // Inclusive time per area: walk each sampled node up to the root once, per distinct area.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const areasOnStack = new Map<number, Set<string>>();
  const stackAreas = (id: number): Set<string> => {
    const known = areasOnStack.get(id);
    if (known) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const areas = new Set(up === undefined ? [] : stackAreas(up));
    if (node && node.callFrame.url) areas.add(areaOf(node.callFrame.url, node.callFrame.functionName));
    areasOnStack.set(id, areas);
    return areas;
  };
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const name = byId.get(id)?.callFrame.functionName;
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') continue;
    for (const area of stackAreas(id)) if (area !== 'node core') inclusive.set(area, (inclusive.get(area) ?? 0) + us);
  }
  return {
    file,
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, percent: pct(e.us) })),
    byArea: [...byArea.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: us / 1000, percent: pct(us) })),
    inclusiveByArea: [...inclusive.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: us / 1000, percent: pct(us) })),
  };
}

export interface HeapSiteEntry {
  name: string;
  where: string;
  bytes: number;
  percent: number;
}

/** Live bytes per allocation site (self size) from a sampling heap profile, largest first. */
export function summariseHeapSample(
  head: HeapSampleNode,
  topN = 12,
): { totalBytes: number; top: HeapSiteEntry[]; byArea: { area: string; bytes: number; percent: number }[] } {
  const sites = new Map<string, HeapSiteEntry>();
  const areas = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapSampleNode) => {
    if (node.selfSize > 0) {
      const name = node.callFrame.functionName || '(anonymous)';
      const where = shortWhere(node.callFrame.url, node.callFrame.lineNumber);
      const key = `${name}@${where}`;
      const entry = sites.get(key) ?? { name, where, bytes: 0, percent: 0 };
      entry.bytes += node.selfSize;
      sites.set(key, entry);
      const area = areaOf(node.callFrame.url, name);
      areas.set(area, (areas.get(area) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) visit(child);
  };
  visit(head);
  const pct = (bytes: number) => (total > 0 ? (bytes / total) * 100 : 0);
  return {
    totalBytes: total,
    top: [...sites.values()]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, topN)
      .map((e) => ({ ...e, percent: pct(e.bytes) })),
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, bytes]) => ({ area, bytes, percent: pct(bytes) })),
  };
}
