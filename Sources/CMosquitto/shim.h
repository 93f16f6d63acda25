#ifndef OSHIRASE_CMOSQUITTO_SHIM_H
#define OSHIRASE_CMOSQUITTO_SHIM_H
// libmosquitto, the MQTT client of the fleet link (docs/fleet.md), driven by our own poll loop.
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
