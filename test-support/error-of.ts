/** Test helper: the error `fn` throws, as code and message; fails when it throws nothing. */
export function errorOf (fn: () => unknown): { code: string, message: string } {
  try {
    fn()
  } catch (err) {
    return err as { code: string, message: string }
  }
  throw new Error('expected an error')
}
