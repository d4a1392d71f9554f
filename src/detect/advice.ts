// Local AI sizing: which model sizes fit in the GPU's VRAM, or in RAM when the CPU runs them. Pure; the models
// named come from the recipe.
// Rule of thumb for 4-bit quantized models (Ollama's defaults): ~0.6 GB per billion parameters + ~1 GB
// for the context and runtime.

/** A model per size (billions of parameters), as a recipe declares them (recipe.yaml `modelAdvice.examples`). */
export interface SizedModel {
  params: number;
  example: string;
}

export const gbForParams = (billions: number): number => Math.round((billions * 0.6 + 1) * 10) / 10;

/** Billions of parameters from a tag like qwen3:8b, llama3.1:70b-instruct, gemma3:270m; undefined if none. */
export function paramsOf(model: string): number | undefined {
  const m = /[:\-_](\d+(?:\.\d+)?)([bm])(?![a-z])/i.exec(model);
  if (!m) return undefined;
  return Number(m[1]) / (m[2]!.toLowerCase() === 'm' ? 1000 : 1);
}

export interface Budget {
  /** GB the model may use: VRAM of the GPU, or RAM left after the rest of the stack. */
  gb: number;
  on: 'gpu' | 'cpu';
}

/** RAM kept back for the OS and the other services when models run on the CPU. */
export const RESERVED_RAM_GB = 4;

export function budgetFor(facts: { ramGb: number; gpu: { vramGb?: number } }, useGpu: boolean): Budget {
  if (useGpu && facts.gpu.vramGb) return { gb: facts.gpu.vramGb, on: 'gpu' };
  return { gb: Math.max(0, Math.round((facts.ramGb - RESERVED_RAM_GB) * 10) / 10), on: 'cpu' };
}

/** The largest of the recipe's example models that fits the budget, if any does. */
export function largestFitting(budget: Budget, examples: readonly SizedModel[]): SizedModel | undefined {
  return [...examples].sort((a, b) => b.params - a.params).find((m) => gbForParams(m.params) <= budget.gb);
}

export function modelAdvice(
  budget: Budget,
  chosen: string | undefined,
  examples: readonly SizedModel[],
): { status: 'pass' | 'warn' | 'info'; detail: string } {
  const where = budget.on === 'gpu' ? `${budget.gb} GB of VRAM` : `~${budget.gb} GB of RAM for models (CPU)`;
  const best = largestFitting(budget, examples);
  const smallest = [...examples].sort((a, b) => a.params - b.params)[0]!;
  const advice = best
    ? `models up to ~${best.params}B parameters fit (e.g. ${best.example})`
    : `only models smaller than ${smallest.example} (~${gbForParams(smallest.params)} GB) fit`;
  const params = chosen ? paramsOf(chosen) : undefined;
  if (chosen && params !== undefined) {
    const need = gbForParams(params);
    if (need > budget.gb)
      return {
        status: 'warn',
        detail: `${chosen} needs ~${need} GB but there is ${where}: it will be slow${budget.on === 'gpu' ? ' (spills to the CPU)' : ' or fail to load'}; ${advice}`,
      };
    return { status: 'pass', detail: `${chosen} (~${need} GB) fits in ${where}; ${advice}` };
  }
  return { status: 'info', detail: `${where}: ${advice}` };
}
