// handlebars ships types for its main entry only; the runtime build has the same API minus the compiler.
declare module 'handlebars/runtime.js' {
  import Handlebars from 'handlebars';
  export default Handlebars;
}
