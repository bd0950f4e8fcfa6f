// Raw HTTP for the hostile-input tests: bytes as written (like `curl --path-as-is`), and requests
// cut off by a reset. Loopback only, each bounded in time.
import net from 'node:net';

/** One raw exchange; resolves to the status line of the answer. */
export function rawRequest(port: number, request: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let reply = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => resolve(reply.split('\r\n')[0]));
    socket.on('error', reject);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to ${JSON.stringify(request.slice(0, 60))}`)));
  });
}

/** Sends the start of a request, then resets the connection after `afterMs`. */
export function cutOff(port: number, request: string, afterMs = 30): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(request);
      setTimeout(() => {
        socket.resetAndDestroy();
        resolve();
      }, afterMs);
    });
    socket.on('error', () => resolve());
  });
}
