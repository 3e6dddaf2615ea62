corge-y := corge_main.o corge_work.o
