import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules/**', 'report/*.html', 'results/*.json', 'test-artifacts/**'] }),
]
