import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Imports flow one way: core ← servers, clients, scenarios ← runner → results ← report (README, Layout).
// Test files are exempt: an end-to-end test may reach across folders to set up what it checks.

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Folders each folder may import from, besides itself. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  servers: ['core'],
  clients: ['core'],
  scenarios: ['core'],
  results: ['core'],
  report: ['core', 'results'],
  // the bench command renders the report at the end of a run
  runner: ['core', 'servers', 'clients', 'scenarios', 'results', 'report'],
  'test-support': ['core'],
}

/** Every non-test .ts file under the checked folders, relative to the repository root. */
function sourceFiles (): string[] {
  const files: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path)
      else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path)
    }
  }
  for (const folder of Object.keys(ALLOWED)) walk(folder)
  return files.sort()
}

/** Relative imports of a source text: static `from '…'`, side-effect `import '…'` and dynamic `import('…')`. */
function relativeImports (text: string): string[] {
  const found: string[] = []
  for (const match of text.matchAll(/(?:\bfrom\s+|^\s*import\s+|\bimport\s*\(\s*)['"](\.\.?\/[^'"]+)['"]/gm)) found.push(match[1] as string)
  return found
}

/** The import graph of the checked files: file → files it imports (repository-relative paths). */
function importGraph (files: readonly string[]): Map<string, string[]> {
  return new Map(files.map((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8')
    return [file, relativeImports(text).map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)))]
  }))
}

/** The top-level folder of a repository-relative path ('' for a file at the root). */
function folderOf (path: string): string {
  return path.includes(sep) ? path.slice(0, path.indexOf(sep)) : ''
}

/** Every import that breaks ALLOWED, as "file → target". */
function wrongWayImports (graph: ReadonlyMap<string, readonly string[]>): string[] {
  const wrong: string[] = []
  for (const [file, targets] of graph) {
    const from = folderOf(file)
    for (const target of targets) {
      const to = folderOf(target)
      if (to !== from && !(ALLOWED[from] ?? []).includes(to)) wrong.push(`${file} → ${target}`)
    }
  }
  return wrong
}

/** One import cycle among the graph's files, as the list of files around it, or null when there is none. */
function findCycle (graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string): string[] | null => {
    if (state.get(file) === 'done') return null
    if (state.get(file) === 'open') return [...path.slice(path.indexOf(file)), file]
    state.set(file, 'open')
    path.push(file)
    for (const target of graph.get(file) ?? []) {
      // an import of a test file or a file outside the checked folders is not a node of this graph
      if (!graph.has(target)) continue
      const cycle = visit(target)
      if (cycle !== null) return cycle
    }
    path.pop()
    state.set(file, 'done')
    return null
  }
  for (const file of graph.keys()) {
    const cycle = visit(file)
    if (cycle !== null) return cycle
  }
  return null
}

describe('layout', () => {
  const graph = importGraph(sourceFiles())

  it('finds the imports of every source file', () => {
    expect(graph.size).toBeGreaterThan(50)
    expect(relativeImports("import { a } from './a.ts'\nimport './b.ts'\nexport type { C } from '../c/c.ts'\nconst d = await import('./d.ts')\nimport x from 'node:fs'"))
      .toEqual(['./a.ts', './b.ts', '../c/c.ts', './d.ts'])
  })

  it('imports flow one way: core ← servers, clients, scenarios ← runner → results ← report', () => {
    expect(wrongWayImports(graph)).toEqual([])
  })

  it('has no import cycle among source files', () => {
    expect(findCycle(graph)?.join(' → ') ?? 'none').toBe('none')
  })
})
