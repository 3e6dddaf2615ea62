obj-m += foo.o
