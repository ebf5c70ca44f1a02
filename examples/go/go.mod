module example.com/streamux-go-peer

go 1.21

require golang.ngrok.com/muxado/v2 v2.0.1
