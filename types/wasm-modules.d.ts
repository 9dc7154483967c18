// Node-side typecheck of modules that the Worker bundle imports as compiled WebAssembly.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
