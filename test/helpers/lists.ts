/** `list[index]`, or a thrown error naming the index: for test code under `noUncheckedIndexedAccess`. */
export function at<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`nothing at index ${index}`);
  return item;
}
