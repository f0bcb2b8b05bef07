"""The embedded S3 server's ports: free, and out of the way of outgoing connections."""

import socket

from storage.embedded import EmbeddedS3Server, free_port
from storage.embedded import ephemeral_ports_start as _ephemeral_ports_start


def test_a_free_port_lies_below_the_ephemeral_range_and_can_be_listened_on():
    port = free_port()

    assert 1024 <= port < _ephemeral_ports_start()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()


def test_a_server_gets_a_different_port_for_each_of_its_listeners(tmp_path):
    server = EmbeddedS3Server(
        data_dir=tmp_path, access_key="a", secret_key="b", s3_port=free_port()
    )

    ports = server._ports()

    assert len(set(ports.values())) == len(ports) == 8
