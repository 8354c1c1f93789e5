// The job handler, run in worker threads of each consumer process: squares a number.
export default function work(msg) {
  return { job: msg.payload.job, square: msg.payload.n * msg.payload.n };
}
