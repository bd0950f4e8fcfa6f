// Types for capture-file.mjs (plain JavaScript so the fake nvidia-smi needs no type stripping).
export interface CaptureSection {
  state: string;
  what: string;
  command: string;
  body: string[];
}
export interface QueryGpuTable {
  fields: string[];
  header: string[];
  units: (string | null)[];
  rows: string[][];
}
export function readSections(text: string): CaptureSection[];
export function findSection(sections: CaptureSection[], state: string, whatPrefix: string): CaptureSection | null;
export function queryGpuTable(sections: CaptureSection[], state: string): QueryGpuTable;
export function helpAliases(helpLines: string[]): Map<string, string>;
export function loadCapture(file: string): CaptureSection[];
