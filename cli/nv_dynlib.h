/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Libraries that only one command each needs, loaded with dlopen() when that command runs:
 * libmicrohttpd (metrics listen) and libpcap (trace ... pcap). Linked into nvctl they cost every
 * command about 2.5 ms of start-up (libmicrohttpd pulls in gnutls and a dozen more, libpcap dbus
 * and systemd: measured, nvctl -V went from 2.6 to 5.2 ms), which an orchestrator that runs one
 * nvctl per change pays on every record. The headers still give the types and constants.
 */
#ifndef NV_DYNLIB_H
#define NV_DYNLIB_H

#include <stddef.h>

#include <microhttpd.h>
#include <pcap/pcap.h>

struct nv_mhd_api {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_quiesce_daemon) *quiesce_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
};

struct nv_pcap_api {
	__typeof__(pcap_open_offline) *open_offline;
	__typeof__(pcap_datalink) *datalink;
	__typeof__(pcap_datalink_val_to_name) *datalink_val_to_name;
	__typeof__(pcap_next_ex) *next_ex;
	__typeof__(pcap_geterr) *geterr;
	__typeof__(pcap_close) *close;
};

/*
 * The library's functions (loaded once, kept for the process), or NULL with what failed in err
 * (the library's file name and the loader's message: the Debian package is then missing).
 */
const struct nv_mhd_api *nv_mhd_load(char *err, size_t errlen);
const struct nv_pcap_api *nv_pcap_load(char *err, size_t errlen);

#endif /* NV_DYNLIB_H */
