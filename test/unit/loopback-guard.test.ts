import net from 'node:net';

describe('loopback guard', () => {
  it('refuses a connection to a non-loopback address before any packet is sent', () => {
    const socket = new net.Socket();
    expect(() => socket.connect(443, '192.0.2.1')).toThrow(/loopback guard/);
    socket.destroy();
  });

  it('lets loopback connections through', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
    await new Promise((r) => server.close(r));
  });
});
