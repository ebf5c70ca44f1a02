/**
 * @chainsafe/libp2p-yamux 8 calls Promise.withResolvers, which Node 20 lacks. Imported before the
 * muxer, and only in the processes that run it.
 */
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
