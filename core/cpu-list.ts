// Linux CPU lists ("0-3,6"), as taskset and /proc/self/status write them

/** Parses a Linux CPU list such as "0-3,6"; null when it is not one. */
export function parseCpuList (text: string): number[] | null {
  const cpus = new Set<number>()
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim())
    if (m === null) return null
    const from = Number(m[1])
    const to = m[2] === undefined ? from : Number(m[2])
    if (to < from || to - from > 4096) return null
    for (let c = from; c <= to; c++) cpus.add(c)
  }
  return cpus.size === 0 ? null : [...cpus].sort((a, b) => a - b)
}

/** "0-3,6" for [0, 1, 2, 3, 6]. */
export function formatCpuList (cpus: readonly number[]): string {
  const parts: string[] = []
  for (let i = 0; i < cpus.length; i++) {
    let j = i
    while (j + 1 < cpus.length && cpus[j + 1] === (cpus[j] as number) + 1) j++
    parts.push(i === j ? String(cpus[i]) : `${cpus[i]}-${cpus[j]}`)
    i = j
  }
  return parts.join(',')
}
