module netlabbench

go 1.19
